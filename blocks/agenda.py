"""Block Kit for agendas: sections with minutes and what fills them, private lines marked."""

from __future__ import annotations

from blocks.text import escape, local_time, mention, mrkdwn, plain, truncate
from bot.agenda import Agenda, AgendaItem, AgendaSection
from bot.ids import Action

ITEM_LIMIT = 400
SECTION_LIMIT = 2900


def _item_line(item: AgendaItem) -> str:
    text = truncate(escape(item.text), ITEM_LIMIT)
    label = f"*{truncate(escape(item.label), 150)}:* " if item.label else ""
    who = f" — {mention(item.author)}" if item.author else ""
    lock = ":lock: _Only you see this._ " if item.private else ""
    return f"• {lock}{label}{text}{who}"


def _section_text(section: AgendaSection) -> str:
    title = f"*{escape(section.title)}* · {section.minutes} min"
    if not section.items:
        return f"{title}\n_{escape(section.guidance)}_"
    lines: list[str] = []
    used = len(title)
    for index, item in enumerate(section.items):
        line = _item_line(item)
        if used + len(line) + 40 > SECTION_LIMIT:
            lines.append(f"_…and {len(section.items) - index} more_")
            break
        lines.append(line)
        used += len(line) + 1
    return title + "\n" + "\n".join(lines)


def build_agenda_message(agenda: Agenda, *, with_actions: bool) -> dict:
    """The agenda; `with_actions` adds Post and Add action item (for the asker's own view)."""
    pair, meeting = agenda.pair, agenda.meeting
    when = local_time(meeting.starts_at, "{date_long_pretty} at {time}")
    title = "First session agenda" if agenda.first else "Session agenda"
    owner = f" · agenda owner {mention(agenda.owner)}" if agenda.owner else ""
    blocks: list[dict] = [
        {"type": "header", "text": plain(title, 150)},
        {
            "type": "context",
            "elements": [
                mrkdwn(
                    f"{mention(pair.mentor_id)} and {mention(pair.mentee_id)} · {when} · "
                    f"{meeting.length_minutes} min{owner}"
                )
            ],
        },
    ]
    blocks += [
        {"type": "section", "block_id": f"agenda_{s.key}", "text": mrkdwn(_section_text(s))}
        for s in agenda.sections
    ]
    blocks.append(
        {
            "type": "context",
            "elements": [mrkdwn("Add a topic with `/mentor agenda add <your topic>`.")],
        }
    )
    if with_actions:
        blocks.append(
            {
                "type": "actions",
                "block_id": "agenda_actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": Action.AGENDA_POST,
                        "text": plain("Post to our conversation", 75),
                        "value": f"{pair.id}:{meeting.id}",
                    },
                    {
                        "type": "button",
                        "action_id": Action.ACTION_ADD,
                        "text": plain("Add action item", 75),
                        "value": str(pair.id),
                    },
                ],
            }
        )
    outline = ", ".join(f"{escape(s.title)} {s.minutes} min" for s in agenda.sections)
    return {"text": truncate(f"{title} for {when}: {outline}", 3000), "blocks": blocks}

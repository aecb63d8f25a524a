"""Agenda minutes: scaled from the curriculum's templates so they add up exactly to the session."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.agenda import scale_minutes, template_minutes
from bot.curriculum import load_curriculum

CURRICULUM = load_curriculum()


@pytest.mark.parametrize("template", ["regular_session", "first_session"])
@pytest.mark.parametrize("length", [30, 45, 60, 90])
def test_minutes_add_up_exactly_for_every_length(template: str, length: int) -> None:
    minutes = template_minutes(CURRICULUM.agendas[template], length)
    assert sum(minutes) == length
    assert all(m >= 1 for m in minutes)


def test_the_90_minute_default_is_the_curriculums_own() -> None:
    assert template_minutes(CURRICULUM.agendas["regular_session"], 90) == [10, 10, 30, 20, 10, 10]
    assert template_minutes(CURRICULUM.agendas["first_session"], 90) == [15, 20, 10, 45]


@pytest.mark.parametrize(
    ("length", "expected"),
    [
        (60, [7, 7, 20, 13, 7, 6]),
        (45, [5, 5, 15, 10, 5, 5]),
        (30, [4, 3, 10, 7, 3, 3]),
    ],
)
def test_regular_sessions_scale_proportionally(length: int, expected: list[int]) -> None:
    minutes = scale_minutes([10, 10, 30, 20, 10, 10], length)
    assert minutes == expected
    # Each section stays within a minute of its exact share.
    for got, base in zip(minutes, [10, 10, 30, 20, 10, 10], strict=True):
        assert abs(got - base * length / 90) < 1


@pytest.mark.parametrize(
    ("length", "expected"), [(30, [5, 7, 3, 15]), (45, [8, 10, 5, 22]), (60, [10, 13, 7, 30])]
)
def test_first_sessions_keep_introductions_goals_logistics_then_the_guide(
    length: int, expected: list[int]
) -> None:
    assert template_minutes(CURRICULUM.agendas["first_session"], length) == expected


@given(
    st.lists(st.integers(min_value=1, max_value=120), min_size=1, max_size=12),
    st.integers(min_value=1, max_value=600),
)
def test_any_template_scales_to_any_length(minutes: list[int], total: int) -> None:
    scaled = scale_minutes(minutes, total)
    assert sum(scaled) == total
    assert len(scaled) == len(minutes)
    if total >= len(minutes):
        assert min(scaled) >= 1

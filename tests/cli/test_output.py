"""How a table cell wraps: between Chinese characters and at spaces, never splitting a word or breaking the rules
of Chinese line breaking (a closing mark never starts a line, an opening mark never ends one)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len

from cli.output import wrap

TEXT = "一般公共预算、政府性基金预算，国有资本经营预算（草案）、《中华人民共和国预算法》。政府债务“限额”"


@pytest.mark.parametrize("width", range(6, 30))  # 6: the widest piece, 案）、 (a narrower line must fold it)
def test_a_closing_mark_never_starts_a_line_and_an_opening_mark_never_ends_one(width: int) -> None:
    lines = wrap(TEXT, width)

    assert "".join(lines) == TEXT
    for line in lines:
        assert cell_len(line) <= width
        assert line[0] not in "、，。；：？！）》」』”’"
        assert line[-1] not in "（《「『“‘"


def test_words_stay_whole_and_cjk_breaks_between_characters() -> None:
    assert wrap("政府预算 (draft) 2024-03-01 情况说明", 10) == ["政府预算", "(draft)", "2024-03-01", "情况说明"]


@given(st.text(alphabet="预算公开、，。（）《》ab -", max_size=60), st.integers(min_value=2, max_value=40))
def test_wrapping_keeps_every_character_and_fits_the_width(text: str, width: int) -> None:
    lines = wrap(text, width)

    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert all(cell_len(line) <= width for line in lines)

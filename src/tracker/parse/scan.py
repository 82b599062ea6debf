"""Hand-written scanners for the shapes a regex can only find in quadratic time.

A pattern such as `\\[[^\\]]*\\]\\(` searched over a run of `[` retries from every `[`
and scans to the end each time: a 64 KB cell took 47 s. These scanners find the same
matches as those regexes (same leftmost-first, non-overlapping choice) but look at each
character a bounded number of times, so every cell parser stays linear in its input.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

_OPENERS = "(（"
_CLOSERS = ")）"


class Next:
    """The next position of any of `chars` from a point that only moves forward.

    Each character's next position is remembered, so a scan that asks from increasing
    starts reads the text once per character however often it asks.
    """

    def __init__(self, text: str, chars: str) -> None:
        self.text = text
        self.found = {char: -2 for char in chars}  # -2: not looked for; -1: none left

    def __call__(self, start: int, stop: int | None = None) -> int:
        """First index >= `start` (and < `stop`) holding one of the characters, or -1."""
        best = -1
        for char, index in self.found.items():
            if index == -2 or 0 <= index < start:
                index = self.text.find(char, start)
                self.found[char] = index
            if index != -1 and (best == -1 or index < best):
                best = index
        if stop is not None and best >= stop:
            return -1
        return best


def unlink(text: str, *, images: bool = True, target_prefix: str = "") -> str:
    """`[label](target)` → `label`, as `re.sub(r"!?\\[([^\\]]*)\\]\\(PREFIX[^)]*\\)", r"\\1")`.

    `images` also drops the `!` of `![alt](src)`; `target_prefix` (e.g. `mailto:`) only
    unlinks targets that start with it. The label runs to the first `]` after its `[`,
    as in the regex, so `[a [b](c)` gives `a [b`.
    """
    out: list[str] = []
    done = 0  # text[:done] is already in `out`
    opening = text.find("[")
    while opening != -1:
        closing = text.find("]", opening + 1)
        if closing == -1:
            break  # no `]` left: no later `[` can start a link either
        head = closing + 1
        if text.startswith("(" + target_prefix, head):
            end = text.find(")", head + 1 + len(target_prefix))
            if end == -1:
                break  # no `)` left: every later link would need one
            start = (
                opening - 1 if images and opening > done and text[opening - 1] == "!" else opening
            )
            out.append(text[done:start])
            out.append(text[opening + 1 : closing])
            done = end + 1
            opening = text.find("[", done)
        else:
            # Every `[` up to `closing` meets the same `]` and fails the same way.
            opening = text.find("[", head)
    if not out:
        return text
    out.append(text[done:])
    return "".join(out)


def drop_parenthesised(text: str, *, space_before: bool = True) -> str:
    """Remove `(…)`/`（…）` spans, as `re.sub(r"\\s*[(（][^)）]*[)）]", "")`.

    A span runs from an opening bracket to the first closing one after it (inner
    openings included); `space_before` also removes the whitespace in front of it.
    """
    out: list[str] = []
    done = 0
    openers, closers = Next(text, _OPENERS), Next(text, _CLOSERS)
    opening = openers(0)
    while opening != -1:
        closing = closers(opening + 1)
        if closing == -1:
            break  # no closing bracket left: no later opening can be closed
        kept = text[done:opening]
        out.append(kept.rstrip() if space_before else kept)
        done = closing + 1
        opening = openers(done)
    if not out:
        return text
    out.append(text[done:])
    return "".join(out)


def closing_brackets(text: str, end: int) -> tuple[list[int], int] | None:
    """For text[:end] ending (before whitespace) in `)`/`）`: the openings that may start
    a final `(…)` (those after the previous closing bracket, in order) and the final
    closing bracket's index; None when text[:end] does not end in a closing bracket.

    Only text between the previous closing bracket and `end` is read, so peeling tags
    off the end one by one reads each character a bounded number of times.
    """
    body_end = end
    while body_end > 0 and text[body_end - 1].isspace():
        body_end -= 1
    if body_end == 0 or text[body_end - 1] not in _CLOSERS:
        return None
    final = body_end - 1
    openings: list[int] = []
    index = final - 1
    while index >= 0 and text[index] not in _CLOSERS:
        if text[index] in _OPENERS:
            openings.append(index)
        index -= 1
    openings.reverse()
    return openings, final


@dataclass(frozen=True, slots=True)
class Link:
    start: int
    end: int
    label: str
    target: str


def _is_space(char: str) -> bool:
    return char.isspace()


class _LinkTail:
    """Reads `(\\s*<?target>?(\\s+"title")?\\s*)` after a `]`, remembering shared work.

    Candidates are tried left to right; two can share a target run (`[a](x[a](x…`), so
    the end of the last run and the outcome per run end are cached: each character is
    scanned a bounded number of times however many candidates there are.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.run = (-1, -1)  # [start, end) of the last target run measured
        self.quotes = Next(text, '"')
        self.after_run: dict[int, int] = {}  # run end → end of the tail (-1: no match)

    def _target_end(self, start: int) -> int:
        run_start, run_end = self.run
        if run_start <= start < run_end:
            return run_end
        text, end = self.text, start
        while end < len(text) and text[end] not in ")>" and not text[end].isspace():
            end += 1
        self.run = (start, end)
        return end

    def _skip_space(self, position: int) -> int:
        text = self.text
        while position < len(text) and text[position].isspace():
            position += 1
        return position

    def match(self, open_paren: int) -> tuple[int, str]:
        """(end of the match or -1, target) for a tail whose `(` is at `open_paren`."""
        text = self.text
        start = self._skip_space(open_paren + 1)
        if start < len(text) and text[start] == "<":
            end = self._target_end(start + 1)
            if end > start + 1:
                target_start = start + 1
            else:  # `<` alone: the regex gives back `<?` and reads `<` as the target
                target_start, end = start, start + 1
        else:
            target_start, end = start, self._target_end(start)
            if end == start:
                return -1, ""
        return self._after_target(end), text[target_start:end]

    def _after_target(self, end: int) -> int:
        cached = self.after_run.get(end)
        if cached is not None:
            return cached
        text = self.text
        position = end + 1 if end < len(text) and text[end] == ">" else end
        spaced = self._skip_space(position)
        result = -1
        if spaced < len(text) and text[spaced] == ")":
            result = spaced + 1
        elif spaced > position and spaced < len(text) and text[spaced] == '"':
            quote = self.quotes(spaced + 1)
            if quote != -1:
                close = self._skip_space(quote + 1)
                if close < len(text) and text[close] == ")":
                    result = close + 1
        self.after_run[end] = result
        return result


def markdown_links(text: str) -> Iterator[Link]:
    """Links as `\\[([^\\]\\n]*)\\]\\(\\s*<?([^)\\s>]+)>?(?:\\s+"[^"]*")?\\s*\\)` finds them."""
    tail = _LinkTail(text)
    label_end = Next(text, "]\n")
    opening = text.find("[")
    while opening != -1:
        closing = label_end(opening + 1)
        if closing == -1:
            return  # no `]` or line end: no later `[` can be closed either
        if text[closing] == "]" and text.startswith("(", closing + 1):
            end, target = tail.match(closing + 1)
            if end != -1:
                yield Link(opening, end, text[opening + 1 : closing], target)
                opening = text.find("[", end)
                continue
        # Every `[` up to `closing` meets the same `]` (or line end) and fails alike.
        opening = text.find("[", closing + 1)

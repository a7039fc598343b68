"""`--seeds` of `keras-gans generate`: integers and inclusive ranges, kept as ranges so that a long one costs
nothing until its images are made."""

import bisect
import collections.abc
import itertools
import re


class Seeds(collections.abc.Sequence):
    """The seeds of ranges in order, as a sequence of ints that holds only the ranges.

    Args:
        ranges: non-empty `range` objects with step 1.
    """

    def __init__(self, ranges):
        self.ranges = tuple(ranges)
        self._ends = list(itertools.accumulate(len(r) for r in self.ranges))

    def __len__(self):
        return self._ends[-1] if self._ends else 0

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f"seed index {index} out of range for {len(self)} seeds.")
        part = bisect.bisect_right(self._ends, index)
        before = self._ends[part - 1] if part else 0
        return self.ranges[part][index - before]

    def __iter__(self):
        return itertools.chain.from_iterable(self.ranges)

    def __repr__(self):
        return f"Seeds({', '.join(f'{r.start}-{r.stop - 1}' for r in self.ranges)})"


def parse_seeds(text):
    """`'0-3,7'` -> the seeds 0, 1, 2, 3, 7 (a `Seeds`): comma-separated non-negative integers and inclusive
    ranges `a-b`."""
    ranges = []
    for part in str(text).split(","):
        part = part.strip()
        match = re.fullmatch(r"(\d+)(?:-(\d+))?", part)
        if not match:
            raise ValueError(f"expected seeds such as '0-15' or '1,5,9' (non-negative integers); got {text!r}.")
        start = int(match.group(1))
        stop = int(match.group(2)) if match.group(2) is not None else start
        if stop < start:
            raise ValueError(f"the range '{part}' is empty (its end is below its start).")
        ranges.append(range(start, stop + 1))
    return Seeds(ranges)

"""The statistics facilitator reports use, as small pure functions (hand-checked in tests/test_stats.py).

Every function returns None where the figure is undefined (nobody answered, no spread), never a misleading 0.
"""
from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import Sequence

_NO_SPREAD = 1e-9


def share(part: int, whole: int) -> float | None:
    """part / whole, or None when whole is 0."""
    return part / whole if whole else None


def mean(values: Sequence[float]) -> float | None:
    return statistics.fmean(values) if values else None


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


@dataclass
class PairSums:
    """Running sums of (x, y) pairs: enough for Pearson's r in one pass, without keeping the pairs."""

    n: int = 0
    sum_x: float = 0.0
    sum_y: float = 0.0
    sum_xy: float = 0.0
    sum_xx: float = 0.0
    sum_yy: float = 0.0

    @classmethod
    def of(cls, xs: Sequence[float], ys: Sequence[float]) -> "PairSums":
        if len(xs) != len(ys):
            raise ValueError(f"PairSums needs pairs: {len(xs)} x values and {len(ys)} y values.")
        sums = cls()
        for x, y in zip(xs, ys):
            sums.add(x, y)
        return sums

    def add(self, x: float, y: float, *, times: int = 1) -> None:
        """Adds the pair (x, y), `times` times over."""
        self.n += times
        self.sum_x += times * x
        self.sum_y += times * y
        self.sum_xy += times * x * y
        self.sum_xx += times * x * x
        self.sum_yy += times * y * y

    def correlation(self) -> float | None:
        """Pearson's r, or None with fewer than two pairs or when either side does not vary."""
        if self.n < 2:
            return None
        spread_x = self.sum_xx - self.sum_x * self.sum_x / self.n
        spread_y = self.sum_yy - self.sum_y * self.sum_y / self.n
        # Scores are shares of 1: a real spread is far above this; below it, it is rounding noise of a constant.
        if spread_x <= _NO_SPREAD * self.n or spread_y <= _NO_SPREAD * self.n:
            return None
        covariance = self.sum_xy - self.sum_x * self.sum_y / self.n
        return max(-1.0, min(1.0, covariance / math.sqrt(spread_x * spread_y)))


def discrimination_index(pairs: PairSums) -> float | None:
    """Corrected item-total (point-biserial) correlation over learners' (item score 0/1, rest score) pairs, where
    the rest score is the share correct on the *other* questions of the same quiz, so the item does not correlate
    with itself. Near +1: stronger learners get it right and weaker ones wrong; around 0: it does not separate
    them; negative: stronger learners get it wrong more often, usually a misleading question or a wrong key.
    """
    return pairs.correlation()


def normalized_gain(mean_pre: float, mean_post: float) -> float | None:
    """Hake's class-average normalized gain <g> = (post - pre) / (1 - pre), scores as shares of 1: the part of the
    possible improvement that was achieved. None when the pre-score is already perfect."""
    if not (0.0 <= mean_pre <= 1.0 and 0.0 <= mean_post <= 1.0):
        raise ValueError(f"Scores are shares between 0 and 1, got pre={mean_pre} post={mean_post}.")
    return (mean_post - mean_pre) / (1.0 - mean_pre) if mean_pre < 1.0 else None


@dataclass(frozen=True)
class Discernment:
    """Signal-detection figures for "genuine or fabricated?" judgements, where the signal is a fabricated post.

    hit_rate: share of fabricated posts called fabricated; false_alarm_rate: share of genuine posts called
    fabricated. d_prime: how well the learner tells them apart (0: no better than chance; about 1 fair; 2 or more
    good). bias: the criterion c; negative means a lean towards "fabricated" (calling everything fake), positive a
    lean towards "genuine". Rates are the raw shares; d′ and c use the log-linear correction (Hautus 1995: add 0.5
    to each count and 1 to each total), so perfect or zero rates still give finite figures.
    """

    hits: int
    signal_trials: int
    false_alarms: int
    noise_trials: int
    hit_rate: float
    false_alarm_rate: float
    d_prime: float
    bias: float

    @property
    def calls_genuine_posts_fake(self) -> bool:
        """At least half the genuine posts called fake, with a lean towards "fake": suspicion, not discernment."""
        return self.false_alarm_rate >= 0.5 and self.bias < 0


def discernment(*, hits: int, signal_trials: int, false_alarms: int, noise_trials: int) -> Discernment | None:
    """None unless there is at least one fabricated and one genuine judgement."""
    if not (0 <= hits <= signal_trials and 0 <= false_alarms <= noise_trials):
        raise ValueError(f"counts out of range: {hits} hits of {signal_trials}, {false_alarms} false alarms of "
                         f"{noise_trials}")
    if signal_trials == 0 or noise_trials == 0:
        return None
    z = statistics.NormalDist().inv_cdf
    z_hit = z((hits + 0.5) / (signal_trials + 1))
    z_false_alarm = z((false_alarms + 0.5) / (noise_trials + 1))
    return Discernment(hits=hits, signal_trials=signal_trials, false_alarms=false_alarms, noise_trials=noise_trials,
                       hit_rate=hits / signal_trials, false_alarm_rate=false_alarms / noise_trials,
                       d_prime=z_hit - z_false_alarm, bias=-(z_hit + z_false_alarm) / 2)

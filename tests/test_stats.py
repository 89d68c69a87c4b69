"""Report statistics against figures computed by hand."""
from __future__ import annotations

import math
from statistics import NormalDist

import pytest

from bot.reports.stats import PairSums, discernment, discrimination_index, mean, median, normalized_gain, share

Z = NormalDist().inv_cdf


def test_share_mean_median_of_nothing_are_none():
    assert share(0, 0) is None and mean([]) is None and median([]) is None
    assert share(1, 4) == 0.25 and mean([1, 0, 0.5]) == 0.5 and median([10, 40, 20, 30]) == 25


def test_correlation_by_hand():
    # x = 1,0,0,1 (mean .5), y = 1,1,0,1 (mean .75): cov = .125, var x = .25, var y = .1875, r = 1/sqrt(3)
    assert PairSums.of([1, 0, 0, 1], [1, 1, 0, 1]).correlation() == pytest.approx(1 / math.sqrt(3))


def test_perfect_and_reversed_relationships():
    assert PairSums.of([0, 1, 1], [0.0, 0.5, 0.5]).correlation() == pytest.approx(1.0)
    # deviations x: .5 .5 -.5 -.5, y: -.5 -.25 .25 .5; r = -.75 / sqrt(1 * .625)
    assert PairSums.of([1, 1, 0, 0], [0.0, 0.25, 0.75, 1.0]).correlation() == pytest.approx(-0.75 / math.sqrt(0.625))


def test_weighted_pairs_equal_repeated_pairs():
    repeated = PairSums.of([1, 1, 1, 0, 0], [0.9, 0.9, 0.9, 0.2, 0.4])
    weighted = PairSums()
    weighted.add(1, 0.9, times=3)
    weighted.add(0, 0.2)
    weighted.add(0, 0.4)
    assert weighted.correlation() == pytest.approx(repeated.correlation())


@pytest.mark.parametrize("xs, ys", [
    ([], []),  # nobody answered
    ([1], [0.5]),  # one learner
    ([1, 1, 1], [0.2, 0.5, 0.9]),  # everybody right: the item does not vary
    ([0, 1, 1], [0.3, 0.3, 0.3]),  # the rest scores do not vary
    ([1, 0, 1], [0.1 + 0.2, 0.3, 0.30000000000000004]),  # rounding noise is not spread
])
def test_discrimination_is_undefined_without_spread(xs, ys):
    assert discrimination_index(PairSums.of(xs, ys)) is None


def test_pairs_must_match():
    with pytest.raises(ValueError, match="2 x values and 1 y values"):
        PairSums.of([1, 0], [1.0])


def test_normalized_gain_by_hand():
    assert normalized_gain(0.375, 0.875) == pytest.approx(0.8)  # (.875 - .375) / (1 - .375)
    assert normalized_gain(0.5, 0.25) == pytest.approx(-0.5)  # a loss is a negative gain
    assert normalized_gain(1.0, 1.0) is None  # no room to improve
    with pytest.raises(ValueError, match="shares between 0 and 1"):
        normalized_gain(4, 3)


def test_discernment_by_hand():
    # 3 of 4 fabricated posts spotted, 1 of 4 genuine ones called fake: H = 3.5/5 = .7, FA = 1.5/5 = .3
    figures = discernment(hits=3, signal_trials=4, false_alarms=1, noise_trials=4)
    assert (figures.hit_rate, figures.false_alarm_rate) == (0.75, 0.25)
    assert figures.d_prime == pytest.approx(Z(0.7) - Z(0.3)) == pytest.approx(1.0488, abs=1e-4)
    assert figures.bias == pytest.approx(0.0)


def test_calling_everything_fake_is_no_discernment():
    # Every post called fabricated: all hits, all false alarms. d′ = 0, and a strong lean to "fake".
    figures = discernment(hits=3, signal_trials=3, false_alarms=3, noise_trials=3)
    assert figures.d_prime == pytest.approx(0.0)
    assert figures.bias == pytest.approx(-Z(3.5 / 4))


def test_perfect_judgements_stay_finite():
    figures = discernment(hits=3, signal_trials=3, false_alarms=0, noise_trials=3)
    assert figures.d_prime == pytest.approx(2 * Z(3.5 / 4))  # z(.875) - z(.125)
    assert figures.bias == pytest.approx(0.0)


def test_discernment_needs_both_kinds():
    assert discernment(hits=2, signal_trials=2, false_alarms=0, noise_trials=0) is None
    with pytest.raises(ValueError, match="out of range"):
        discernment(hits=3, signal_trials=2, false_alarms=0, noise_trials=1)

"""WGS-84 ↔ GCJ-02 ↔ BD-09, against the reference values published with two widely used libraries.

BD-09 uses Baidu's constant (π·3000/180), as coordtransform does; eviltransform's BD-09
variant uses π and is not Baidu's, so only its GCJ-02 values are used here.
"""

import pytest

from unionhub.core.geo import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

# (WGS-84 lon, lat), (GCJ-02 lon, lat): googollee/eviltransform python/test.py
EVILTRANSFORM = [
    ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),  # Shanghai
    ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),  # Shenzhen
    ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),  # Beijing
]
# wandergis/coordtransform README, all from (116.404, 39.915)
TIANANMEN = (116.404, 39.915)


def close(actual, expected, places=6):
    return actual == pytest.approx(expected, abs=10**-places)


@pytest.mark.parametrize(("wgs", "gcj"), EVILTRANSFORM)
def test_wgs84_to_gcj02_matches_the_reference(wgs, gcj):
    assert close(wgs84_to_gcj02(*wgs), gcj)


@pytest.mark.parametrize(("wgs", "gcj"), EVILTRANSFORM)
def test_gcj02_to_wgs84_comes_back_within_a_millimetre(wgs, gcj):
    assert close(gcj02_to_wgs84(*gcj), wgs, places=8)


def test_the_coordtransform_examples():
    assert close(bd09_to_gcj02(*TIANANMEN), (116.39762729119315, 39.90865673957631))
    assert close(gcj02_to_bd09(*TIANANMEN), (116.41036949371029, 39.92133699351021))
    assert close(wgs84_to_gcj02(*TIANANMEN), (116.41024449916938, 39.91640428150164))
    assert close(gcj02_to_wgs84(*TIANANMEN), (116.39775550083061, 39.91359571849836), places=5)


def test_bd09_round_trips_within_ten_centimetres():
    ningbo = (121.55, 29.87)
    assert close(bd09_to_wgs84(*wgs84_to_bd09(*ningbo)), ningbo, places=6)


def test_no_offset_outside_china():
    paris = (2.35, 48.85)
    assert wgs84_to_gcj02(*paris) == paris
    assert gcj02_to_wgs84(*paris) == paris

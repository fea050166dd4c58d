"""Dwell split on hand-built crossings: processing, waiting while open, while we or the partner were closed."""

from __future__ import annotations

import numpy as np

from clearway.borderposts.dwell import daily_closure_share, dwell_split

H = 3600
DAY0 = 20_000 * 86_400  # a UTC midnight


def spans(*hours: tuple[int, int]) -> np.ndarray:
    return np.array([(DAY0 + a * H, DAY0 + b * H) for a, b in hours], dtype=np.int64)


def test_crossing_inside_joint_hours_is_processing_then_waiting():
    split = dwell_split(arrived=DAY0 + 9 * H, entered=DAY0 + 11 * H, ours=spans((8, 17)), partner=spans((8, 17)),
                        service_s=1800)
    assert (split.dwell_s, split.processing_s, split.waiting_open_s) == (2 * H, 1800, 2 * H - 1800)
    assert split.waiting_ours_closed_s == split.waiting_partner_closed_s == 0


def test_truck_arriving_before_we_open_waits_for_us():
    split = dwell_split(arrived=DAY0 + 6 * H, entered=DAY0 + 9 * H, ours=spans((8, 17)), partner=spans((0, 24)),
                        service_s=H)
    assert split.waiting_ours_closed_s == 2 * H and split.processing_s == H and split.waiting_open_s == 0


def test_truck_cleared_by_us_waits_for_the_partner_to_open():
    # We are open 08-20, the partner 08-16: a truck that leaves us at 17:00 waits overnight for the partner.
    split = dwell_split(arrived=DAY0 + 15 * H, entered=DAY0 + 32 * H, ours=spans((8, 20), (32, 44)),
                        partner=spans((8, 16), (32, 40)), service_s=H // 2)
    assert split.dwell_s == 17 * H
    assert split.processing_s == H // 2 and split.waiting_open_s == H // 2  # 15:00-16:00 both open
    assert split.waiting_partner_closed_s == 4 * H  # 16:00-20:00: we are open, the partner is not
    assert split.waiting_ours_closed_s == 12 * H  # 20:00-08:00: we are closed (whatever the partner does)
    assert (split.processing_s + split.waiting_open_s + split.waiting_partner_closed_s
            + split.waiting_ours_closed_s) == split.dwell_s


def test_daily_closure_share_is_closed_waiting_over_all_waiting():
    a = dwell_split(arrived=DAY0 + 6 * H, entered=DAY0 + 9 * H, ours=spans((8, 17)), partner=spans((0, 24)),
                    service_s=H)  # 2 h closed waiting, no open waiting
    b = dwell_split(arrived=DAY0 + 9 * H, entered=DAY0 + 12 * H, ours=spans((8, 17)), partner=spans((0, 24)),
                    service_s=H)  # 2 h open waiting
    [day] = daily_closure_share([("out", DAY0 + 6 * H, a), ("out", DAY0 + 9 * H, b)])
    assert day.crossings == 2 and day.waiting_h == 4.0 and day.closure_share == 0.5

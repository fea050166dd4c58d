"""Joint open windows in UTC: daylight saving on either side, a time-zone rule change, holidays, exceptions."""

from __future__ import annotations

from datetime import date, datetime

from clearway.borderposts.schedule import Exception_, Schedule
from clearway.borderposts.windows import pair_windows

WEEKDAYS = "Mo-Fr 09:00-17:00"


def _joint_h(ours: Schedule, theirs: Schedule, start: date, end: date) -> float:
    return pair_windows(ours, theirs, start, end).joint_s / 3600


def test_same_local_hours_across_one_zone_are_fully_joint():
    a, b = Schedule(WEEKDAYS, "Europe/Helsinki"), Schedule(WEEKDAYS, "Europe/Helsinki")
    w = pair_windows(a, b, date(2026, 3, 2), date(2026, 3, 9))
    assert w.joint_s == 5 * 8 * 3600 and w.ours_only_s == 0 and w.alignment == 1.0


def test_both_sides_change_to_summer_time_and_stay_aligned_in_utc():
    # Finland and Sweden both move their clocks on 29 March 2026, at the same instant: one hour apart all along.
    fi, se = Schedule(WEEKDAYS, "Europe/Helsinki"), Schedule(WEEKDAYS, "Europe/Stockholm")
    winter = pair_windows(fi, se, date(2026, 3, 23), date(2026, 3, 28))
    summer = pair_windows(fi, se, date(2026, 3, 30), date(2026, 4, 4))
    assert winter.joint_s == summer.joint_s == 5 * 7 * 3600
    # The opening instant itself moved an hour earlier in UTC: 07:00 UTC in winter, 06:00 in summer (Helsinki).
    assert winter.joint[0][0] % 86_400 == 8 * 3600  # Stockholm opens 09:00 CET = 08:00 UTC
    assert summer.joint[0][0] % 86_400 == 7 * 3600  # 09:00 CEST = 07:00 UTC


def test_only_one_side_changes_to_summer_time_and_the_joint_time_shrinks():
    # Poland moves to summer time on 29 March 2026; Belarus stays on UTC+3 all year.
    pl, by = Schedule(WEEKDAYS, "Europe/Warsaw"), Schedule(WEEKDAYS, "Europe/Minsk")
    winter = pair_windows(pl, by, date(2026, 3, 23), date(2026, 3, 28))
    summer = pair_windows(pl, by, date(2026, 3, 30), date(2026, 4, 4))
    # Winter: PL 08-16 UTC, BY 06-14 UTC -> 6 h a day; summer: PL 07-15 UTC -> 7 h a day.
    assert winter.joint_s == 5 * 6 * 3600
    assert summer.joint_s == 5 * 7 * 3600


def test_southern_and_northern_daylight_saving_move_in_opposite_directions():
    # Chile leaves summer time on 5 April 2026 while New York is already on it: the offsets drift apart.
    cl, us = Schedule("Mo-Su 00:00-12:00", "America/Santiago"), Schedule("Mo-Su 00:00-12:00", "America/New_York")
    before = pair_windows(cl, us, date(2026, 3, 16), date(2026, 3, 23))
    after = pair_windows(cl, us, date(2026, 4, 13), date(2026, 4, 20))
    assert before.joint_s == 7 * 11 * 3600  # Santiago UTC-3, New York UTC-4: one hour apart
    assert after.joint_s == 7 * 12 * 3600  # both UTC-4


def test_the_night_of_the_change_counts_the_real_length_of_the_hours():
    # Open round the clock on the day the clocks go forward: that day has 23 hours in Helsinki.
    a, b = Schedule("Mo-Su 00:00-24:00", "Europe/Helsinki"), Schedule("Mo-Su 00:00-24:00", "Etc/UTC")
    w = pair_windows(a, b, date(2026, 3, 28), date(2026, 3, 31))
    assert w.joint_s == 3 * 86_400  # both sides open every UTC second of the three UTC days


def test_kazakhstan_single_zone_cuts_a_quarter_of_shared_open_time():
    # Khorgos: the Chinese side keeps Beijing time (UTC+8), 09:00-15:00; the Kazakh side 09:00-18:00 local.
    # Kazakhstan moved Almaty from UTC+6 to UTC+5 on 1 March 2024 (tzdata 2024a); the local schedules stayed.
    china, kazakhstan = Schedule("Mo-Fr 09:00-15:00", "Asia/Shanghai"), Schedule("Mo-Fr 09:00-18:00", "Asia/Almaty")
    before = pair_windows(kazakhstan, china, date(2024, 2, 5), date(2024, 2, 26))
    after = pair_windows(kazakhstan, china, date(2024, 3, 4), date(2024, 3, 25))
    assert before.weekly_h(before.joint_s) == 20.0  # 03:00-07:00 UTC, five days
    assert after.weekly_h(after.joint_s) == 15.0  # 04:00-07:00 UTC
    lost = 1 - after.joint_s / before.joint_s
    assert 0.2 <= lost <= 0.3


def test_public_holiday_closes_one_side():
    # 1 May is a public holiday in Poland; Germany also closes it, Belarus does not.
    pl = Schedule(WEEKDAYS, "Europe/Warsaw", holiday_country="PL")
    by = Schedule(WEEKDAYS, "Europe/Minsk")
    w = pair_windows(pl, by, date(2026, 5, 1), date(2026, 5, 2))  # a Friday
    assert w.joint_s == 0 and w.theirs_only_s == 8 * 3600


def test_closure_and_extension_exceptions_apply_in_local_time():
    closure = Exception_("closure", datetime(2026, 6, 2, 12, 0), datetime(2026, 6, 2, 17, 0))
    extension = Exception_("extended", datetime(2026, 6, 3, 17, 0), datetime(2026, 6, 3, 21, 0))
    ours = Schedule(WEEKDAYS, "Etc/UTC", exceptions=(closure, extension))
    theirs = Schedule("Mo-Su 00:00-24:00", "Etc/UTC")
    w = pair_windows(ours, theirs, date(2026, 6, 1), date(2026, 6, 6))
    assert w.ours_open_s == (5 * 8 - 5 + 4) * 3600

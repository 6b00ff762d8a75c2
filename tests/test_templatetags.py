"""annotations/templatetags/factcheck.py: pure, no database."""

from datetime import timedelta

from django.utils import timezone

from annotations.templatetags.factcheck import ago


def test_under_a_minute_is_just_now():
    now = timezone.now()
    assert ago(now) == "just now"
    assert ago(now - timedelta(seconds=59)) == "just now"
    assert ago(now + timedelta(seconds=5)) == "just now"  # a clock a little ahead


def test_later_the_largest_unit_only():
    now = timezone.now()
    assert ago(now - timedelta(seconds=61)) == "1\xa0minute ago"
    assert ago(now - timedelta(hours=2, minutes=59)) == "2\xa0hours ago"
    assert ago(now - timedelta(days=3, hours=5)) == "3\xa0days ago"


def test_no_time_says_nothing():
    assert ago(None) == ""

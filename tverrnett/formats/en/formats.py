# One date style across the interface (issue 21 item 15): "7 Dec 2026", "07:15".
DATE_FORMAT = "j M Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j M Y, H:i"

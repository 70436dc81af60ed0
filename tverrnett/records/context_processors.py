from tverrnett.access import policy


def records(request):
    """`keeps_records`: whether to show the records menu item (the records officer of the
    agency acted for). No query: the acting membership is already loaded
    (CurrentAgencyMiddleware)."""
    user = getattr(request, "user", None)
    return {"keeps_records": user is not None and policy.keeps_records_of(user) is not None}

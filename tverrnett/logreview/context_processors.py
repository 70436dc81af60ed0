from tverrnett.access import policy


def log_review(request):
    """`reviews_log`: whether to show the log review menu item. No query: the acting
    membership is already loaded (CurrentAgencyMiddleware)."""
    user = getattr(request, "user", None)
    return {"reviews_log": user is not None and policy.reviews_log_of(user) is not None}

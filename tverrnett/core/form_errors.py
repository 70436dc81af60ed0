"""Putting a service's ValidationError on the form the user sent."""


def add_service_errors(form, error):
    """Errors for a field the form shows go on that field; the rest on the whole form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)

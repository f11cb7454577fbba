"""What several test modules share about the admin."""

import datetime as dt


def form_data(response):
    """The POST data of a change page as it was displayed (main form and inline formsets)."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        forms += list(formset.forms)
        management = formset.management_form
        data.update({management.add_prefix(k): v for k, v in management.initial.items()})
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            key = form.add_prefix(name)
            if isinstance(value, list | tuple):
                data[key] = [str(v) for v in value]
            elif isinstance(value, dt.datetime):
                data[key + "_0"], data[key + "_1"] = (
                    value.date().isoformat(),
                    value.time().isoformat(),
                )
            elif value is True:
                data[key] = "on"
            else:
                data[key] = str(value)
    return data

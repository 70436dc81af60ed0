from django.urls import path

from tverrnett.records import views

app_name = "records"

urlpatterns = [
    path("", views.due, name="due"),
    path("eksporter/", views.export, name="export"),
    path("<int:entry_pk>/hold/", views.place_hold, name="place_hold"),
    path("hold/<int:hold_pk>/opphev/", views.lift_hold, name="lift_hold"),
    path("pakker/", views.packages, name="packages"),
    path("pakker/<int:pk>/kvittering/", views.record_receipt, name="record_receipt"),
    path("pakker/<int:pk>/last-ned/", views.download_package, name="download_package"),
    path("bevaringsplan/", views.schedule, name="schedule"),
    path("bevaringsplan/<int:pk>/bekreft/", views.confirm_rule, name="confirm_rule"),
    path("slettet/", views.deleted, name="deleted"),
]

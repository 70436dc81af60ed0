from django.urls import path

from tverrnett.duplicates import views

app_name = "duplicates"

urlpatterns = [
    path("<int:pk>/", views.notice_detail, name="notice"),
    path("<int:pk>/avvis/", views.dismiss, name="dismiss"),
    path("<int:pk>/sla-sammen/", views.merge, name="merge"),
    path("<int:pk>/godta/", views.agree, name="agree"),
    path("<int:pk>/avsla/", views.decline, name="decline"),
]

from django.urls import path

from tverrnett.documents import views

app_name = "documents"

# The pages live beside the case's own under saker/<pk>/.
_CASE = "saker/<int:pk>/dokumenter/"
_ONE = _CASE + "<int:document_pk>/"
urlpatterns = [
    path(_CASE, views.document_list, name="list"),
    path(_CASE + "ny/", views.upload_document, name="upload"),
    path(_ONE, views.document_detail, name="detail"),
    path(_ONE + "ny-versjon/", views.upload_version, name="upload_version"),
    path(_ONE + "versjoner/<int:version_pk>/last-ned/", views.download, name="download"),
]

"""Mounted under /console/members/ by the console's urls."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.jobs, name="members_import"),
    path("<int:job_id>/", views.job, name="members_import_job"),
    path("<int:job_id>/resume/", views.resume, name="members_import_resume"),
    path("<int:job_id>/rejects.csv", views.rejects_csv, name="members_import_rejects"),
]

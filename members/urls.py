from django.urls import path

from . import venue_views, views

app_name = "members"
urlpatterns = [
    path("me/", views.sign_in, name="sign-in"),
    path("me/card/", views.card, name="card"),
    path("me/card/<str:number>.png", views.card_png, name="card-png"),
    path("me/card/<str:number>/withdraw/", views.withdraw, name="withdraw"),
    path("me/card/<str:number>/correction/", views.ask_correction, name="ask-correction"),
    path("me/card/<str:number>/photo/", views.upload_photo, name="upload-photo"),
    path("me/my-data/", views.own_data_copy, name="own-data"),
    path("me/sign-out/", views.sign_out, name="sign-out"),
    path("card/v/<str:token>/", views.verify_card, name="verify-card"),
    path("join/<str:token>/", views.join, name="join"),
    path("venues/", venue_views.venues, name="venues"),
    path("venues/<int:pk>/", venue_views.venue, name="venue"),
    path("me/bookings/", venue_views.bookings, name="bookings"),
    path("me/bookings/<int:pk>/", venue_views.change_booking, name="booking"),
]

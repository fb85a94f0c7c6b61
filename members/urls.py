from django.urls import path

from . import views

app_name = "members"
urlpatterns = [
    path("me/", views.sign_in, name="sign-in"),
    path("me/card/", views.card, name="card"),
    path("me/card/<str:number>.png", views.card_png, name="card-png"),
    path("me/card/<str:number>/withdraw/", views.withdraw, name="withdraw"),
    path("me/sign-out/", views.sign_out, name="sign-out"),
    path("card/v/<str:token>/", views.verify_card, name="verify-card"),
    path("join/<str:token>/", views.join, name="join"),
]

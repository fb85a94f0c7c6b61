"""Staff log-in: password, lockout, second factor, and the session that follows.

Every staff surface signs in through one view (``/admin/login/``; ``/m/`` and the API's
session authentication use the same session). The password step goes through
``authenticate()``, where django-axes counts failures per account and per address
(``lockout``). A user who needs a second factor is not logged in after the password: the
session only remembers who is half-way (``twofactor``) until a TOTP or SMS code is verified,
so no other page, API call or middleware ever sees a half-authenticated user.
"""

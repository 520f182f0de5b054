from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from wushe.accounts import services


@receiver(user_logged_in)
def _on_login(sender, request, user, **kwargs) -> None:
    services.login_succeeded(user=user)


@receiver(user_logged_out)
def _on_logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        services.logged_out(user=user)

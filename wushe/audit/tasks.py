from django.tasks import task

from wushe.audit.services import audit_verify


@task
def verify_audit_trail() -> list[str]:
    """Walk every audit chain in the background; returns the problems found (none is good)."""
    return [str(problem) for problem in audit_verify()]

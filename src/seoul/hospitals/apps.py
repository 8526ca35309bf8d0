from django.apps import AppConfig


class HospitalsConfig(AppConfig):
    name = "seoul.hospitals"
    label = "hospitals"
    verbose_name = "City hospital network"

    def ready(self) -> None:
        from seoul.core.audit import register_events
        from seoul.core.personal_data import register_purposes
        from seoul.hospitals.events import HospitalsEvent, HospitalsPurpose

        register_events(HospitalsEvent)
        register_purposes(HospitalsPurpose)

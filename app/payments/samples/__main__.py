"""python -m app.payments.samples: write the sample statements and their manifest into this folder."""

from app.payments.samples import write_samples

for name in write_samples():
    print(name)  # noqa: T201 - a maintainer's command

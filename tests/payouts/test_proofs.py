"""Proof uploads (issue 18 item 3): images re-encoded without any metadata, PDFs kept but never public, and the
house photos the public card shows no longer carry their EXIF GPS position."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage

from app.core.uploads import UploadError, image_has_metadata, strip_image_metadata
from app.needs import construction
from app.needs.models import NeedStatus
from app.payouts import services as payouts
from app.payouts.models import ProofKind
from app.payouts.services import proof_path
from tests.conftest import login
from tests.needs.conftest import actor_of
from tests.payouts.conftest import funded_need


def gps_jpeg() -> bytes:
    """A phone photo: camera make and model, GPS position of the house, rotated by its EXIF orientation."""
    img = Image.new("RGB", (40, 20), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Model X-1"  # Model
    exif[0x0112] = 6  # Orientation: rotate 90° to display
    gps = {1: "N", 2: (12.0, 5.0, 30.0), 3: "E", 4: (108.0, 52.0, 10.0)}
    exif[0x8825] = gps  # GPSInfo
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif.tobytes(), comment=b"Nha ho Mau Van Thu, thon Ta Luong")
    return out.getvalue()


def pdf_bytes() -> bytes:
    return b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_the_fixture_photo_really_carries_gps_and_camera_tags():
    with Image.open(io.BytesIO(gps_jpeg())) as img:
        exif = img.getexif()
        assert exif[0x010F] == "PhoneMaker" and exif.get_ifd(0x8825)
    assert image_has_metadata(gps_jpeg())


def test_stripping_drops_every_tag_and_keeps_the_photo_upright():
    clean = strip_image_metadata(gps_jpeg(), "jpeg")
    with Image.open(io.BytesIO(clean)) as img:
        assert len(img.getexif()) == 0
        assert "exif" not in img.info and "comment" not in img.info and "icc_profile" not in img.info
        assert img.size == (20, 40)  # orientation applied before the tag went
    assert b"PhoneMaker" not in clean and b"Model X-1" not in clean and b"Ta Luong" not in clean
    assert not image_has_metadata(clean)


def test_a_house_photo_published_on_the_card_has_no_gps_or_camera_data(client, session, world):
    need = funded_need(session, world)
    construction.add_photo(
        session,
        actor_of(world.ks_staff),
        need,
        FileStorage(io.BytesIO(gps_jpeg()), filename="IMG_0001.jpg"),
        stage=NeedStatus.FUNDED,
        publishable=True,
    )
    session.commit()
    from sqlalchemy import select

    from app.needs.models import NeedPhoto

    photo = session.execute(select(NeedPhoto)).scalar_one()
    public = client.get(f"/cong-khai/nha/anh/{photo.id}")
    assert public.status_code == 200
    body = public.data
    with Image.open(io.BytesIO(body)) as img:
        assert len(img.getexif()) == 0 and "exif" not in img.info
    for secret in (b"PhoneMaker", b"Model X-1", b"GPS", b"Ta Luong"):
        assert secret not in body


def test_a_photo_stored_before_the_fix_is_stripped_on_the_public_route(client, session, world):
    from app.core.uploads import store_bytes
    from app.needs.models import NeedPhoto

    need = funded_need(session, world)
    stored = store_bytes(gps_jpeg(), "jpeg", "old.jpg", construction.PHOTO_SUBDIR)
    rel = stored.path.relative_to(stored.path.parents[2]).as_posix()
    photo = NeedPhoto(
        need_id=need.id,
        stage=NeedStatus.FUNDED,
        path=rel,
        kind="jpeg",
        sha256=stored.sha256,
        size=stored.size,
        publishable=True,
    )
    session.add(photo)
    session.commit()

    body = client.get(f"/cong-khai/nha/anh/{photo.id}").data
    assert b"PhoneMaker" not in body and not image_has_metadata(body)


def test_a_proof_image_is_stored_stripped_and_a_pdf_as_uploaded(session, world):
    need = funded_need(session, world)
    img = payouts.upload_proof(
        session,
        actor_of(world.ks_staff),
        world.ks_staff,
        need.id,
        FileStorage(io.BytesIO(gps_jpeg()), filename="bien-ban.pdf"),  # the name lies: the content is a JPEG
        ProofKind.HANDOVER,
        stage=NeedStatus.HANDED_OVER,
    )
    pdf = payouts.upload_proof(
        session,
        actor_of(world.ks_staff),
        world.ks_staff,
        need.id,
        FileStorage(io.BytesIO(pdf_bytes()), filename="phieu-chi.jpg"),
        ProofKind.RECEIPT,
    )
    session.commit()
    assert img.file_kind == "jpeg" and not image_has_metadata(proof_path(img).read_bytes())
    assert pdf.file_kind == "pdf" and proof_path(pdf).read_bytes() == pdf_bytes()


def test_a_proof_that_is_neither_image_nor_pdf_is_refused(session, world):
    need = funded_need(session, world)
    with pytest.raises(UploadError, match="PNG, ảnh JPEG, PDF"):
        payouts.upload_proof(
            session,
            actor_of(world.ks_staff),
            world.ks_staff,
            need.id,
            FileStorage(io.BytesIO(b"MZ\x90\x00 not a document"), filename="phieu.pdf"),
            ProofKind.RECEIPT,
        )


def test_proofs_are_never_served_to_the_public(app, client, session, world):
    need = funded_need(session, world)
    proof = payouts.upload_proof(
        session,
        actor_of(world.ks_staff),
        world.ks_staff,
        need.id,
        FileStorage(io.BytesIO(pdf_bytes()), filename="phieu-chi.pdf"),
        ProofKind.RECEIPT,
    )
    session.commit()
    assert client.get(f"/can-bo/chi-tra/chung-tu/{proof.id}").status_code in (302, 401, 403)
    login(client, world.other_province_staff.email)
    assert client.get(f"/can-bo/chi-tra/chung-tu/{proof.id}").status_code == 404
    client = app.test_client()
    login(client, world.ks_staff.email)
    assert client.get(f"/can-bo/chi-tra/chung-tu/{proof.id}").data == pdf_bytes()

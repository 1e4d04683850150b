"""Vietnamese banks as VietQR names them: the NAPAS BIN (the 6 digits a VietQR payload carries as the
beneficiary's bank), the short name people know, the full name and the SWIFT/BIC of the head office.

Data, not logic: the BINs are those of the NAPAS 247 / VietQR bank list (api.vietqr.io/v2/banks publishes the
same list); a bank that merges or renames keeps its BIN, so an entry is added here, rarely changed. The staff
form offers this list; an account whose BIN is not in it cannot be registered.

Checked on 07/12/2026: every BIN below equals the one in two public copies of that list found with the search
tool (a VietQR `/v2/banks` snapshot, which also gives VBSP = 999888, and the bank table of a MoMo web client).
The SWIFT/BIC codes were not in either copy and are from memory: a SWIFT code is only shown to donors abroad next
to the official account, so check it against the bank's own letter when an account is registered."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bank:
    bin: str
    short_name: str
    name: str
    swift: str = ""


BANKS: tuple[Bank, ...] = (
    Bank("970436", "Vietcombank", "Ngân hàng TMCP Ngoại thương Việt Nam", "BFTVVNVX"),
    Bank("970415", "VietinBank", "Ngân hàng TMCP Công thương Việt Nam", "ICBVVNVX"),
    Bank("970418", "BIDV", "Ngân hàng TMCP Đầu tư và Phát triển Việt Nam", "BIDVVNVX"),
    Bank("970405", "Agribank", "Ngân hàng Nông nghiệp và Phát triển Nông thôn Việt Nam", "VBAAVNVX"),
    Bank("970422", "MB", "Ngân hàng TMCP Quân đội", "MSCBVNVX"),
    Bank("970407", "Techcombank", "Ngân hàng TMCP Kỹ thương Việt Nam", "VTCBVNVX"),
    Bank("970416", "ACB", "Ngân hàng TMCP Á Châu", "ASCBVNVX"),
    Bank("970432", "VPBank", "Ngân hàng TMCP Việt Nam Thịnh Vượng", "VPBKVNVX"),
    Bank("970423", "TPBank", "Ngân hàng TMCP Tiên Phong", "TPBVVNVX"),
    Bank("970403", "Sacombank", "Ngân hàng TMCP Sài Gòn Thương Tín", "SGTTVNVX"),
    Bank("970437", "HDBank", "Ngân hàng TMCP Phát triển TP. Hồ Chí Minh", "HDBCVNVX"),
    Bank("970441", "VIB", "Ngân hàng TMCP Quốc tế Việt Nam", "VNIBVNVX"),
    Bank("970443", "SHB", "Ngân hàng TMCP Sài Gòn – Hà Nội", "SHBAVNVX"),
    Bank("970431", "Eximbank", "Ngân hàng TMCP Xuất Nhập khẩu Việt Nam", "EBVIVNVX"),
    Bank("970426", "MSB", "Ngân hàng TMCP Hàng Hải Việt Nam", "MCOBVNVX"),
    Bank("970448", "OCB", "Ngân hàng TMCP Phương Đông", "ORCOVNVX"),
    Bank("970440", "SeABank", "Ngân hàng TMCP Đông Nam Á", "SEAVVNVX"),
    Bank("970449", "LPBank", "Ngân hàng TMCP Lộc Phát Việt Nam", "LVBKVNVX"),
    Bank("970409", "BacABank", "Ngân hàng TMCP Bắc Á", "NASCVNVX"),
    Bank("970412", "PVcomBank", "Ngân hàng TMCP Đại Chúng Việt Nam", "WBVNVNVX"),
    Bank("970419", "NCB", "Ngân hàng TMCP Quốc Dân", "NVBAVNVX"),
    Bank("970425", "ABBANK", "Ngân hàng TMCP An Bình", "ABBKVNVX"),
    Bank("970427", "VietABank", "Ngân hàng TMCP Việt Á", "VNACVNVX"),
    Bank("970428", "Nam A Bank", "Ngân hàng TMCP Nam Á", "NAMAVNVX"),
    Bank("970430", "PGBank", "Ngân hàng TMCP Thịnh vượng và Phát triển", "PGBLVNVX"),
    Bank("970433", "VietBank", "Ngân hàng TMCP Việt Nam Thương Tín", "VNTTVNVX"),
    Bank("970438", "BaoViet Bank", "Ngân hàng TMCP Bảo Việt", "BVBVVNVX"),
    Bank("970452", "KienlongBank", "Ngân hàng TMCP Kiên Long", "KLBKVNVX"),
    Bank("970454", "BVBank", "Ngân hàng TMCP Bản Việt", "VCBCVNVX"),
    Bank("970400", "Saigonbank", "Ngân hàng TMCP Sài Gòn Công Thương", "SBITVNVX"),
    Bank("970429", "SCB", "Ngân hàng TMCP Sài Gòn", "SACLVNVX"),
    Bank("970406", "Vikki Bank", "Ngân hàng TNHH MTV Số Vikki (Đông Á)", "EACBVNVX"),
    Bank("970408", "GPBank", "Ngân hàng TNHH MTV Dầu Khí Toàn Cầu", "GBNKVNVX"),
    Bank("970414", "MBV", "Ngân hàng TNHH MTV Việt Nam Hiện Đại (Đại Dương)", "OJBAVNVX"),
    Bank("970444", "CBBank", "Ngân hàng TNHH MTV Xây dựng Việt Nam", "GTBAVNVX"),
    Bank("970446", "Co-opBank", "Ngân hàng Hợp tác xã Việt Nam", ""),
    Bank("999888", "VBSP", "Ngân hàng Chính sách xã hội", ""),
)

BY_BIN: dict[str, Bank] = {b.bin: b for b in BANKS}


def bank_for(bin_: str) -> Bank | None:
    return BY_BIN.get(bin_)

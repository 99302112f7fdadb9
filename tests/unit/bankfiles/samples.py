"""Names of the shared bank samples, their recorded hashes, and builders for synthetic files."""

from __future__ import annotations

KL_TO_1C = "1c_statement_kl_to_1c_dronm-clbnk.txt"
OCA_1C = "1c_statement_1cCBE_example_oca-pr49.txt"
TO_BANK_1C = "1c_payment_orders_to_bank_dronm-clbnk.txt"
CAMT_V02 = "camt053_v02_oca-test-camt053.xml"
CAMT_V08 = "camt053_v08_genkgo.xml"
MT940_ABNAMRO = "mt940_abnamro_jejik.sta"
MT940_SEPA = "mt940_sepa_snippet_betterplace.sta"

#: Byte sizes and SHA-256 of the samples as recorded in shared/samples/bank/PROVENANCE.md.
RECORDED = {
    KL_TO_1C: (5567, "ec796823cd427a0909c93896cb8acd178c4f12feaa8a44067912acecf02fec46"),
    TO_BANK_1C: (1858, "ad4766fc45f10579c34a063d4a7db8c8affc32b9a65643b21312ddaef633c850"),
    OCA_1C: (6653, "ef54a57f10140ff3df903b470317f72817cc57dbc48728c2cfc02dd75a41fd8d"),
    MT940_ABNAMRO: (1295, "cbec266b057f2130d73ab799ad0bc72e06648dfd96297c6c8a0aa26c21acb2db"),
    MT940_SEPA: (2803, "c176e302817ec492a1fd711e2c2daf4e87657763b67c72c33c38f30cdd1a495a"),
    CAMT_V02: (11415, "8b4959d587ee701be0315eff082c77848a313ea44596fefbcc359858d6143630"),
    CAMT_V08: (7445, "792e05f38125ef6d7fe447623c1703b5968ffd1cad9630479a8d588392c8b9b1"),
}

OUR_ACCOUNT = "40702810000000074935"
CUSTOMER_ACCOUNT = "40702810900000012345"


def onec_document(
    *,
    number: str = "7",
    amount: str = "1500.00",
    payer_account: str = CUSTOMER_ACCOUNT,
    payer_inn: str = "7707049388",
    recipient_account: str = OUR_ACCOUNT,
    purpose: str = "Оплата по счету №42 за услуги. Без НДС",
    kind: str = "Платежное поручение",
    credited: str = "12.01.2026",
) -> list[str]:
    """The lines of one incoming payment order, as a bank writes it for 1C."""
    return [
        f"СекцияДокумент={kind}" if kind else "СекцияДокумент",
        f"Номер={number}",
        "Дата=12.01.2026",
        f"Сумма={amount}",
        f"ПлательщикСчет={payer_account}",
        'Плательщик1=ООО "Ромашка"',
        f"ПлательщикИНН={payer_inn}",
        "ПлательщикКПП=770701001",
        "ПлательщикБИК=044525225",
        f"ПолучательСчет={recipient_account}",
        f"ДатаПоступило={credited}",
        'Получатель1=ООО "ЛБХ"',
        "ВидОплаты=01",
        f"НазначениеПлатежа={purpose}",
        "КонецДокумента",
    ]


def onec_file(
    *documents: list[str],
    encoding: str = "cp1251",
    newline: str = "\r\n",
    declared: str = "Windows",
    end: bool = True,
) -> bytes:
    """A 1CClientBankExchange file around the given documents."""
    lines = [
        "1CClientBankExchange",
        "ВерсияФормата=1.03",
        f"Кодировка={declared}",
        "ДатаНачала=12.01.2026",
        "ДатаКонца=12.01.2026",
        f"РасчСчет={OUR_ACCOUNT}",
    ]
    for document in documents:
        lines += document
    if end:
        lines.append("КонецФайла")
    return newline.join(lines).encode(encoding)

"""Published procedures and required documents per customs regime (WTO TFA art. 1.1), in en/es/fr.

Plain data, reviewed like code: the portal renders it as is. Each regime has a title, a
summary, the steps a trader goes through and the documents to keep ready.
"""

from __future__ import annotations

from typing import TypedDict


class Regime(TypedDict):
    """One regime's published text in one language."""

    title: str
    summary: str
    steps: list[str]
    documents: list[str]


PROCEDURES: dict[str, dict[str, Regime]] = {
    "IM": {
        "en": {
            "title": "Import (release for free circulation)",
            "summary": "Goods entering the country are declared electronically, duties and taxes are assessed, and "
                       "the goods are released once any check is done and the amounts are paid or guaranteed.",
            "steps": ["Lodge the import declaration electronically, before arrival if you can (pre-arrival lodgement).",
                      "The declaration is validated and accepted: you receive a movement reference number (MRN).",
                      "Duties and taxes are assessed from the tariff; pay them or secure them with a guarantee.",
                      "Risk assessment assigns a channel: green (release), yellow (documentary check), red "
                      "(physical inspection) or blue (release, audit later).",
                      "Answer any request for documents through the system; attend an inspection if asked.",
                      "The goods are released; the final duty determination may follow release."],
            "documents": ["Commercial invoice", "Transport document (bill of lading, air waybill, CMR)",
                          "Packing list", "Proof of origin when a preferential rate is claimed",
                          "Licences or permits for restricted goods (health, agriculture, standards)",
                          "Valuation documents (freight and insurance costs) when asked"],
        },
        "es": {
            "title": "Importación (despacho a libre práctica)",
            "summary": "Las mercancías que entran en el país se declaran electrónicamente, se liquidan los derechos "
                       "e impuestos y se levantan una vez hecho cualquier control y pagados o garantizados los "
                       "importes.",
            "steps": ["Presente la declaración de importación electrónicamente, antes de la llegada si puede "
                      "(presentación anticipada).",
                      "La declaración se valida y se acepta: recibe un número de referencia (MRN).",
                      "Los derechos e impuestos se liquidan según el arancel; páguelos o garantícelos.",
                      "El análisis de riesgo asigna un canal: verde (levante), amarillo (control documental), rojo "
                      "(inspección física) o azul (levante, auditoría posterior).",
                      "Responda a cualquier solicitud de documentos a través del sistema; asista a la inspección si "
                      "se le pide.",
                      "Se concede el levante; la determinación definitiva de los derechos puede seguir al levante."],
            "documents": ["Factura comercial", "Documento de transporte (conocimiento de embarque, guía aérea, CMR)",
                          "Lista de empaque", "Prueba de origen si se solicita un trato preferencial",
                          "Licencias o permisos para mercancías restringidas (sanidad, agricultura, normas)",
                          "Documentos de valoración (flete y seguro) cuando se pidan"],
        },
        "fr": {
            "title": "Importation (mise en libre pratique)",
            "summary": "Les marchandises qui entrent dans le pays sont déclarées électroniquement, les droits et taxes "
                       "sont liquidés et la mainlevée est donnée après tout contrôle, une fois les montants payés ou "
                       "garantis.",
            "steps": ["Déposez la déclaration d'importation électroniquement, avant l'arrivée si possible "
                      "(dépôt anticipé).",
                      "La déclaration est validée et acceptée : vous recevez un numéro de référence (MRN).",
                      "Les droits et taxes sont liquidés selon le tarif ; payez-les ou couvrez-les par une garantie.",
                      "L'analyse de risque attribue un circuit : vert (mainlevée), jaune (contrôle documentaire), "
                      "rouge (visite physique) ou bleu (mainlevée, contrôle a posteriori).",
                      "Répondez à toute demande de documents dans le système ; assistez à la visite si on vous le "
                      "demande.",
                      "La mainlevée est donnée ; la détermination définitive des droits peut la suivre."],
            "documents": ["Facture commerciale", "Document de transport (connaissement, LTA, CMR)", "Liste de colisage",
                          "Preuve de l'origine si un tarif préférentiel est demandé",
                          "Licences ou autorisations pour les marchandises soumises à restriction (santé, agriculture, "
                          "normes)", "Documents de valeur (fret et assurance) sur demande"],
        },
    },
    "EX": {
        "en": {
            "title": "Export",
            "summary": "Goods leaving the country are declared before they are loaded; the exit is confirmed by the "
                       "office of exit.",
            "steps": ["Lodge the export declaration before the goods are presented at the office of exit.",
                      "The declaration is accepted and risk-assessed; a check may be asked for.",
                      "The goods are released for export and presented at the office of exit.",
                      "Exit is confirmed: keep the confirmation as proof for VAT and refunds."],
            "documents": ["Commercial invoice", "Transport document", "Export licence for controlled goods",
                          "Certificate of origin when the buyer's country asks for one"],
        },
        "es": {
            "title": "Exportación",
            "summary": "Las mercancías que salen del país se declaran antes de su carga; la aduana de salida confirma "
                       "la salida.",
            "steps": ["Presente la declaración de exportación antes de presentar las mercancías en la aduana de "
                      "salida.",
                      "La declaración se acepta y se analiza el riesgo; puede pedirse un control.",
                      "Se concede el levante para la exportación y las mercancías se presentan en la aduana de salida.",
                      "Se confirma la salida: conserve la confirmación como prueba para el IVA y las devoluciones."],
            "documents": ["Factura comercial", "Documento de transporte", "Licencia de exportación para mercancías "
                          "controladas", "Certificado de origen cuando el país del comprador lo exija"],
        },
        "fr": {
            "title": "Exportation",
            "summary": "Les marchandises qui quittent le pays sont déclarées avant leur chargement ; le bureau de "
                       "sortie confirme la sortie.",
            "steps": ["Déposez la déclaration d'exportation avant de présenter les marchandises au bureau de sortie.",
                      "La déclaration est acceptée et analysée ; un contrôle peut être demandé.",
                      "La mainlevée à l'exportation est donnée et les marchandises sont présentées au bureau de "
                      "sortie.",
                      "La sortie est confirmée : gardez la confirmation comme preuve pour la TVA et les "
                      "remboursements."],
            "documents": ["Facture commerciale", "Document de transport", "Licence d'exportation pour les "
                          "marchandises contrôlées", "Certificat d'origine si le pays de l'acheteur l'exige"],
        },
    },
    "TR": {
        "en": {
            "title": "Transit",
            "summary": "Goods moving under customs control between two offices travel with duties suspended, "
                       "covered by a guarantee.",
            "steps": ["Lodge the transit declaration at the office of departure with a guarantee reference.",
                      "The goods are sealed if needed and released for transit with a time limit and route.",
                      "Present the goods and the MRN at the office of destination within the time limit.",
                      "The transit is discharged and the guarantee released."],
            "documents": ["Transport document", "Guarantee reference (comprehensive or individual)",
                          "Commercial invoice or other value evidence"],
        },
        "es": {
            "title": "Tránsito",
            "summary": "Las mercancías que circulan bajo control aduanero entre dos aduanas viajan con los derechos "
                       "suspendidos y cubiertos por una garantía.",
            "steps": ["Presente la declaración de tránsito en la aduana de partida con la referencia de garantía.",
                      "Las mercancías se precintan si es necesario y se conceden con un plazo y una ruta.",
                      "Presente las mercancías y el MRN en la aduana de destino dentro del plazo.",
                      "El tránsito se ultima y se libera la garantía."],
            "documents": ["Documento de transporte", "Referencia de garantía (global o individual)",
                          "Factura comercial u otra prueba del valor"],
        },
        "fr": {
            "title": "Transit",
            "summary": "Les marchandises qui circulent sous douane entre deux bureaux voyagent en suspension de "
                       "droits, couvertes par une garantie.",
            "steps": ["Déposez la déclaration de transit au bureau de départ avec la référence de garantie.",
                      "Les marchandises sont scellées si nécessaire et placées en transit avec un délai et un "
                      "itinéraire.",
                      "Présentez les marchandises et le MRN au bureau de destination dans le délai.",
                      "Le transit est apuré et la garantie libérée."],
            "documents": ["Document de transport", "Référence de garantie (globale ou isolée)",
                          "Facture commerciale ou autre preuve de la valeur"],
        },
    },
}


def procedures(locale: str) -> dict[str, Regime]:
    """Every regime's text in a locale (English when the locale has none)."""
    return {code: texts.get(locale) or texts["en"] for code, texts in PROCEDURES.items()}

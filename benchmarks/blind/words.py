"""Wording written for this benchmark: titles, item names, end phrases, instructions, header
fields, letterheads and footers, in English and in translations written here (no, es, de, nl,
sv). Several variants of each so the reader never sees one fixed text."""

from __future__ import annotations

# ---------------------------------------------------------------- titles
TITLES = {
    "srs": {
        "en": ["Session Rating Scale (SRS V.3.0)", "SESSION RATING SCALE", "Session Feedback Scale (SRS)",
               "Session Rating Scale", "SRS - How was today's meeting?", "Rating of Today's Session",
               "SRS  Session Rating Scale", "Feedback on this session (SRS)"],
        "no": ["Sesjonsevalueringsskjema (SRS)", "SESJONSSKALA", "Skala for vurdering av timen (SRS)"],
        "es": ["Escala de Valoración de la Sesión (SRS)", "ESCALA DE CALIFICACIÓN DE LA SESIÓN"],
        "de": ["Sitzungsbewertungsbogen (SRS)", "SITZUNGS-BEWERTUNGS-SKALA"],
        "nl": ["Sessie Beoordelingsschaal (SRS)"],
        "sv": ["Skattningsskala för samtalet (SRS)"],
    },
    "ors": {
        "en": ["Outcome Rating Scale (ORS)", "OUTCOME RATING SCALE", "ORS", "How are you doing?",
               "Outcome Rating Scale", "ORS - How have you been?", "Wellbeing check-in (ORS)"],
        "no": ["Skala for endring (ORS)", "HVORDAN HAR DU DET?"],
        "es": ["Escala de Valoración del Resultado (ORS)", "¿CÓMO ESTÁS?"],
        "de": ["Ergebnis-Bewertungsbogen (ORS)", "Wie geht es Ihnen?"],
        "nl": ["Uitkomst Beoordelingsschaal (ORS)"],
        "sv": ["Skattningsskala för mående (ORS)"],
    },
    "csrs": {
        "en": ["Child Session Rating Scale (CSRS)", "How was our time together today?", "CSRS - Kids' Session Check",
               "CHILD SESSION RATING SCALE"],
        "no": ["Barnas sesjonsskala (CSRS)"], "es": ["Escala infantil de la sesión (CSRS)"],
        "de": ["Kinder-Sitzungsbogen (CSRS)"], "nl": ["Kinder Sessieschaal (CSRS)"], "sv": ["Barnens samtalsskala (CSRS)"],
    },
    "cors": {
        "en": ["Child Outcome Rating Scale (CORS)", "How am I doing?", "CORS - Kids' Check-in",
               "CHILD OUTCOME RATING SCALE"],
        "no": ["Barnas endringsskala (CORS)"], "es": ["Escala infantil de resultados (CORS)"],
        "de": ["Kinder-Ergebnisbogen (CORS)"], "nl": ["Kinder Uitkomstschaal (CORS)"], "sv": ["Barnens måendeskala (CORS)"],
    },
}

# ---------------------------------------------------------------- items
# SRS/CSRS items: (name variants, left phrase variants, right phrase variants)
# ORS/CORS items: (name variants, sub-label variants)
ITEMS = {
    ("srs", "en"): [
        (["Relationship", "RELATIONSHIP", "Relationship:", "1. Relationship"],
         ["I did not feel heard, understood, and respected.", "I didn't feel heard, understood or respected"],
         ["I felt heard, understood, and respected.", "I felt listened to, understood and respected"]),
        (["Goals and Topics", "GOALS AND TOPICS", "Goals & Topics", "2. Goals and topics"],
         ["We did not work on or talk about what I wanted to work on and talk about.",
          "We didn't talk about what I wanted to talk about"],
         ["We worked on and talked about what I wanted to work on and talk about.",
          "We talked about what I wanted to talk about"]),
        (["Approach or Method", "APPROACH OR METHOD", "Approach / Method", "3. Approach or method"],
         ["The therapist's approach is not a good fit for me.", "The way we worked did not suit me"],
         ["The therapist's approach is a good fit for me.", "The way we worked suited me well"]),
        (["Overall", "OVERALL", "Overall:", "4. Overall"],
         ["There was something missing in the session today.", "Something was missing today"],
         ["Overall, today's session was right for me.", "Today's session was right for me"]),
    ],
    ("srs", "no"): [
        (["Relasjon"], ["Jeg følte meg ikke hørt, forstått og respektert."], ["Jeg følte meg hørt, forstått og respektert."]),
        (["Mål og tema"], ["Vi snakket ikke om det jeg ønsket å snakke om."], ["Vi snakket om det jeg ønsket å snakke om."]),
        (["Tilnærming eller metode"], ["Behandlerens måte å jobbe på passer ikke for meg."],
         ["Behandlerens måte å jobbe på passer godt for meg."]),
        (["Totalt sett"], ["Det manglet noe i timen i dag."], ["Alt i alt var timen i dag riktig for meg."]),
    ],
    ("srs", "es"): [
        (["Relación"], ["No me sentí escuchado, comprendido ni respetado."], ["Me sentí escuchado, comprendido y respetado."]),
        (["Metas y temas"], ["No hablamos de lo que yo quería hablar."], ["Hablamos de lo que yo quería hablar."]),
        (["Enfoque o método"], ["El enfoque del terapeuta no encaja conmigo."], ["El enfoque del terapeuta encaja conmigo."]),
        (["En general"], ["Faltó algo en la sesión de hoy."], ["En general, la sesión de hoy fue adecuada para mí."]),
    ],
    ("srs", "de"): [
        (["Beziehung"], ["Ich fühlte mich nicht gehört, verstanden und respektiert."],
         ["Ich fühlte mich gehört, verstanden und respektiert."]),
        (["Ziele und Themen"], ["Wir haben nicht an dem gearbeitet, was mir wichtig war."],
         ["Wir haben an dem gearbeitet, was mir wichtig war."]),
        (["Vorgehen oder Methode"], ["Die Arbeitsweise passt nicht zu mir."], ["Die Arbeitsweise passt gut zu mir."]),
        (["Insgesamt"], ["Heute hat in der Sitzung etwas gefehlt."], ["Insgesamt war die Sitzung heute richtig für mich."]),
    ],
    ("srs", "nl"): [
        (["Relatie"], ["Ik voelde me niet gehoord, begrepen en gerespecteerd."], ["Ik voelde me gehoord, begrepen en gerespecteerd."]),
        (["Doelen en onderwerpen"], ["We spraken niet over wat ik wilde."], ["We spraken over wat ik wilde."]),
        (["Aanpak of methode"], ["De aanpak past niet bij mij."], ["De aanpak past goed bij mij."]),
        (["Algemeen"], ["Er ontbrak iets in de sessie."], ["Over het geheel was de sessie goed voor mij."]),
    ],
    ("srs", "sv"): [
        (["Relation"], ["Jag kände mig inte lyssnad på och respekterad."], ["Jag kände mig lyssnad på och respekterad."]),
        (["Mål och ämnen"], ["Vi pratade inte om det jag ville."], ["Vi pratade om det jag ville."]),
        (["Arbetssätt"], ["Arbetssättet passar inte mig."], ["Arbetssättet passar mig bra."]),
        (["Helhet"], ["Något saknades i samtalet idag."], ["Som helhet var samtalet rätt för mig."]),
    ],
    ("ors", "en"): [
        (["Individually", "INDIVIDUALLY", "Individually:", "Me (Individually)"],
         ["(Personal well-being)", "(How I am doing personally)", "Personal wellbeing"]),
        (["Interpersonally", "INTERPERSONALLY", "Interpersonally:", "Close relationships"],
         ["(Family, close relationships)", "(Family and people close to me)", "Family, partner"]),
        (["Socially", "SOCIALLY", "Socially:", "Work / School"],
         ["(Work, school, friendships)", "(Work, school and friends)", "Work, school, friends"]),
        (["Overall", "OVERALL", "Overall:", "All in all"],
         ["(General sense of well-being)", "(How I am doing in general)", "General wellbeing"]),
    ],
    ("ors", "no"): [(["Individuelt"], ["(Personlig velvære)"]), (["Mellommenneskelig"], ["(Familie, nære relasjoner)"]),
                    (["Sosialt"], ["(Arbeid, skole, venner)"]), (["Generelt"], ["(Generell følelse av velvære)"])],
    ("ors", "es"): [(["Individualmente"], ["(Bienestar personal)"]), (["Interpersonalmente"], ["(Familia, relaciones cercanas)"]),
                    (["Socialmente"], ["(Trabajo, escuela, amistades)"]), (["En general"], ["(Sensación general de bienestar)"])],
    ("ors", "de"): [(["Persönlich"], ["(Eigenes Wohlbefinden)"]), (["Zwischenmenschlich"], ["(Familie, enge Beziehungen)"]),
                    (["Sozial"], ["(Arbeit, Schule, Freundschaften)"]), (["Insgesamt"], ["(Allgemeines Wohlbefinden)"])],
    ("ors", "nl"): [(["Individueel"], ["(Persoonlijk welzijn)"]), (["Relationeel"], ["(Gezin, naaste relaties)"]),
                    (["Sociaal"], ["(Werk, school, vrienden)"]), (["Algemeen"], ["(Algemeen welbevinden)"])],
    ("ors", "sv"): [(["Individuellt"], ["(Personligt välbefinnande)"]), (["Relationer"], ["(Familj, nära relationer)"]),
                    (["Socialt"], ["(Arbete, skola, vänner)"]), (["Övergripande"], ["(Allmänt välbefinnande)"])],
    ("csrs", "en"): [
        (["Listening", "LISTENING", "Did you listen?"], ["didn't always listen to me."], ["listened to me."]),
        (["How Important", "HOW IMPORTANT", "Important stuff"],
         ["What we did and talked about was not really that important to me."],
         ["What we did and talked about was important to me."]),
        (["What We Did", "WHAT WE DID", "What we did"], ["I did not like what we did today."], ["I liked what we did today."]),
        (["Overall", "OVERALL", "All of it"], ["I wish we could do something different."],
         ["I hope we do the same kind of things next time."]),
    ],
    ("cors", "en"): [
        (["Me", "ME", "Me:"], ["(How am I doing?)", "(How I'm feeling)"]),
        (["Family", "FAMILY", "Family:"], ["(How are things in my family?)", "(At home)"]),
        (["School", "SCHOOL", "School:"], ["(How am I doing at school?)", "(At school)"]),
        (["Everything", "EVERYTHING", "Everything:"], ["(How is everything going?)", "(Everything together)"]),
    ],
}
for lang, names in {"no": ["Lytting", "Hvor viktig", "Hva vi gjorde", "Alt i alt"],
                    "es": ["Escuchar", "Qué tan importante", "Lo que hicimos", "En general"],
                    "de": ["Zuhören", "Wie wichtig", "Was wir gemacht haben", "Insgesamt"],
                    "nl": ["Luisteren", "Hoe belangrijk", "Wat we deden", "Alles samen"],
                    "sv": ["Lyssnande", "Hur viktigt", "Vad vi gjorde", "Allt som allt"]}.items():
    ITEMS[("csrs", lang)] = [([n], ["  :(  "], ["  :)  "]) for n in names]
for lang, names in {"no": ["Meg", "Familie", "Skole", "Alt"], "es": ["Yo", "Familia", "Escuela", "Todo"],
                    "de": ["Ich", "Familie", "Schule", "Alles"], "nl": ["Ik", "Gezin", "School", "Alles"],
                    "sv": ["Jag", "Familj", "Skola", "Allt"]}.items():
    ITEMS[("cors", lang)] = [([n], [""]) for n in names]

INSTRUCTIONS = {
    "srs": {"en": ["Please rate today's session by placing a mark on the line nearest to the description that best "
                   "fits your experience.",
                   "Put a mark on each line to show how today's meeting went for you. There are no right answers.",
                   "Mark each line: the further right, the better this session was for you."],
            "no": ["Vurder timen i dag ved å sette et merke på hver linje."],
            "es": ["Valore la sesión de hoy marcando cada línea cerca de la frase que mejor la describe."],
            "de": ["Bitte bewerten Sie die heutige Sitzung mit einem Strich auf jeder Linie."],
            "nl": ["Zet een streepje op elke lijn om de sessie van vandaag te beoordelen."],
            "sv": ["Sätt ett streck på varje linje för att visa hur samtalet var idag."]},
    "ors": {"en": ["Looking back over the last week, including today, help us understand how you have been feeling "
                   "by rating how well you have been doing in the following areas of your life. Marks to the left "
                   "mean low levels, marks to the right mean high levels.",
                   "Think about the past week. Put a mark on each line: left is bad, right is good.",
                   "How have things been for you this week? Mark each line below."],
            "no": ["Tenk tilbake på den siste uken. Sett et merke på hver linje: venstre er dårlig, høyre er bra."],
            "es": ["Piense en la última semana. Marque cada línea: a la izquierda mal, a la derecha bien."],
            "de": ["Denken Sie an die letzte Woche. Markieren Sie jede Linie: links schlecht, rechts gut."],
            "nl": ["Denk aan de afgelopen week. Zet een streepje op elke lijn."],
            "sv": ["Tänk på den senaste veckan. Sätt ett streck på varje linje."]},
}
INSTRUCTIONS["csrs"] = {"en": ["How was our time together today? Put a mark on the lines below to let us know how "
                               "you feel.", "Mark each line near the face that fits best."]}
INSTRUCTIONS["cors"] = {"en": ["How are you doing? How are things going in your life? Please make a mark on the "
                               "scale to let us know. The closer to the smiley face, the better things are.",
                               "Draw a mark on each line. Near the happy face means good."]}

FIELDS = {
    "en": [["Name:", "Age (Yrs):", "ID#", "Sex: M / F", "Session #", "Date:"],
           ["Client name", "Age", "Client ID", "Session no.", "Date"],
           ["Name", "Date of birth", "Therapist", "Session", "Date"],
           ["NAME", "AGE", "ID", "SESSION #", "DATE"]],
    "no": [["Navn:", "Alder:", "ID:", "Time nr.:", "Dato:"]],
    "es": [["Nombre:", "Edad:", "ID:", "Sesión n.º:", "Fecha:"]],
    "de": [["Name:", "Alter:", "ID:", "Sitzung Nr.:", "Datum:"]],
    "nl": [["Naam:", "Leeftijd:", "ID:", "Sessie nr.:", "Datum:"]],
    "sv": [["Namn:", "Ålder:", "ID:", "Samtal nr:", "Datum:"]],
}

LETTERHEADS = [
    ("Riverside Family Counselling", "14 Mill Lane, Bristol BS1 4QR  ·  0117 496 0123"),
    ("Northgate Psychology Clinic", "Suite 3, 220 King St, Hamilton  ·  www.northgate-psych.example"),
    ("Centro de Salud Mental Las Acacias", "C/ Mayor 12, 28013 Madrid  ·  91 555 01 23"),
    ("Familievernkontoret Øst", "Storgata 5, 0155 Oslo  ·  22 00 00 00"),
    ("Lakeview Youth Services", "88 Shore Rd, Madison WI 53703  ·  (608) 555-0142"),
    ("Praxis für Psychotherapie Dr. M. Weber", "Bahnhofstr. 7, 79098 Freiburg"),
    ("Harbour Wellbeing Service", "NHS Talking Therapies  ·  Referral line 0300 555 0190"),
]

FOOTERS = [
    "© 2024 Riverside Family Counselling. For clinical use only.",
    "Adapted for local use. Please return this sheet to your counsellor.",
    "Form FB-03 rev. 2  ·  page 1 of 1",
    "Thank you for your feedback!",
    "Licensed for individual use; not for resale.  www.feedback-forms.example",
    "Skjema 7b · Takk for tilbakemeldingen",
    "Gracias por su opinión",
]

ENDNUMS = [("0", "10"), ("0", "100"), ("0 cm", "10 cm")]

"""Draw docs/client-trend.png: one synthetic client's plot, as the clinic report draws it.

    python docs/make_trend_png.py
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from srs_scan.clinic.alerts import alerts_for
from srs_scan.clinic.episodes import build_episodes
from srs_scan.clinic.plots import client_png
from srs_scan.clinic.records import Score

ORS = [14.2, 15.0, 13.9, 16.1, 19.8, 21.5, 24.3, 26.8, 27.5]
SRS = [37.2, 38.1, 35.4, 37.9, 38.6, 39.0, 39.2, 39.4, None]


def main() -> None:
    scores = []
    for n, (o, s) in enumerate(zip(ORS, SRS, strict=True), start=1):
        scores.append(Score(f"o{n}", "ors", "outcome", "C-0042", n, o, (o / 4,) * 4))
        if s is not None:
            scores.append(Score(f"s{n}", "srs", "alliance", "C-0042", n, s, (s / 4,) * 4))
    scores[4] = replace(scores[4], corrected=True)  # session 3's ORS: a person corrected a line
    scores[-1] = replace(scores[-1], reviewed=False)  # the latest page still waiting for review
    (episode,) = build_episodes(scores)
    out = Path(__file__).with_name("client-trend.png")
    client_png(episode, alerts_for(episode), str(out))
    print(f"written {out}")


if __name__ == "__main__":
    main()

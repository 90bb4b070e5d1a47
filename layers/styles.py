"""Colours and symbols shared by the layers (colour-blind-safe ColorBrewer palettes)."""

from __future__ import annotations

from typing import Final

#: Sequential YlOrRd (ColorBrewer, colour-blind safe) by number of classes.
SEQUENTIAL: Final[dict[int, tuple[str, ...]]] = {
    3: ("#ffeda0", "#feb24c", "#f03b20"),
    4: ("#ffffb2", "#fecc5c", "#fd8d3c", "#e31a1c"),
    5: ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"),
    6: ("#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026"),
    7: ("#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#b10026"),
}
NO_DATA: Final = "#f0f0f0"

KALBAR_LINE: Final = "#555555"
SARAWAK_FILL: Final = "#e6e1d3"
SEA: Final = "#d4e6f1"
BORDER: Final = "#7b3294"
CASE: Final = "#d7191c"
#: Groups of cases: neutral grey, never read as a choropleth class.
CLUSTER: Final = "#636363"
PLBN: Final = "#1a9641"
UNOFFICIAL: Final = "#2c7bb6"
CLOSED: Final = "#999999"
SHELTER: Final = "#fdae61"

"""Map layers and spatial analyses: pure functions over GeoDataFrames, rendered with Folium.

Nothing here imports Streamlit, so every layer works from tests and the command line.
"""

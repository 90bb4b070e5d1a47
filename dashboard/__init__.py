"""The Streamlit UI: widgets, layout, session state, caching and text. It computes nothing."""

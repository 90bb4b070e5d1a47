"""The pages, each run by Streamlit as a script (see dashboard/app.py)."""

"""The app's job runner: training runs and range tests run in threads of the server process,
outside any Streamlit script run, so reruns, refreshes and other tabs only watch them."""

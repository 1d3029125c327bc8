"""The dashboard's entry point: `mdw dashboard` runs this file with `streamlit run` (bound to
127.0.0.1, headless, usage statistics off). Importing it draws nothing."""

from __future__ import annotations

import streamlit as st

from mdw.dashboard.pages import PAGES


def main() -> None:
    st.set_page_config(page_title="Marketing dashboard", layout="wide")
    navigation = st.navigation([st.Page(page.render, title=page.title, url_path=page.url_path, default=index == 0)
                                for index, page in enumerate(PAGES)])
    navigation.run()


if __name__ == "__main__":
    main()

"""The marketers' morning dashboard (Streamlit): read-only pages over the published serving file.

    queries.py   every figure, as SQL on the serving file (one short read-only connection per query)
    pages.py     what each page draws (Altair charts, tables), from the queries' results only
    app.py       the Streamlit entry point (`mdw dashboard`)
    bench.py     `mdw bench dashboard`: every page's queries timed against a serving file
"""

"""Manager reports: SLA attainment, working-time response times, backlog, volume, first-contact
resolution, phone service level and staffing by Erlang C, on screen, as CSV and in the JSON API."""

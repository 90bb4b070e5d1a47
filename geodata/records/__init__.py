"""Records: the three record types, and reading, checking and importing files of them.

The schemas (:mod:`geodata.records.schemas`) and coded values define cases, crossings
and shelters; the parsers and readers turn an office's file (CSV, XLSX, GeoJSON,
GeoPackage) into checked rows with a :class:`~geodata.records.report.Report` of every
problem; :mod:`~geodata.records.intake` imports a file as one batch and
:mod:`~geodata.records.datasets` holds the validated dataset the app shows. Imports
the reference data, never the store or the access rules.
"""

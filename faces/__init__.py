"""The faces of the pipeline: what people use (the command line, the upload page, the report
workbook, `explain`, CSV export). Faces call the flows and read the warehouse; the library
(`screening/`) and the flows never import a face."""

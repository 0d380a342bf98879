"""Excel interchange of a department's catalog (CAT-1): the template, reading a workbook, writing one.

Pure: no database and no HTTP. A workbook has a sheet of resources (one row per catalog entry) and a sheet
of information items linked to their resource by ``资源序号``; ``说明`` explains every column. One module
per topic, their public names offered here:

- ``template``: the sheets, their columns and the limits of one upload;
- ``cells``: one cell's value, read from an upload and written to an export;
- ``reading``: checking an upload and parsing it into entries and cell errors;
- ``writing``: the template and the export workbook, with the ``说明`` sheet.

The writes of an import are ``service.import_catalog``.
"""

from govdata.core.spreadsheet import CellError  # noqa: F401  (the errors of a parse result)

# Each topic module lists its public names in __all__.
from govdata.catalog.excel.template import *  # noqa: F401,F403
from govdata.catalog.excel.cells import *  # noqa: F401,F403
from govdata.catalog.excel.reading import *  # noqa: F401,F403
from govdata.catalog.excel.writing import *  # noqa: F401,F403

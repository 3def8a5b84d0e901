"""``hemasim explore``: a local web page to change a scenario and see the run update (docs/explorer.md).

Standard library HTTP server (:mod:`.server`), JSON requests answered by :mod:`.service`, one static page with
plain JavaScript (``static/``) drawing with the report's ``hemaplot.js``. No web framework to install.
"""

from hemasim.explore.server import serve
from hemasim.explore.service import ExploreError, Explorer

__all__ = ["ExploreError", "Explorer", "serve"]

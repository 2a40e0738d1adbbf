"""The fingerprint viewer widget and the terminal graphics detection it relies on."""

from ui.widgets.viewer.graphics import Graphics, detect
from ui.widgets.viewer.widget import FingerprintViewer

__all__ = ["FingerprintViewer", "Graphics", "detect"]

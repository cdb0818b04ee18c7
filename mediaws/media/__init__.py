"""Media made on this machine: drawn images (Pillow), speech (espeak-ng), video and audio (PyAV)."""

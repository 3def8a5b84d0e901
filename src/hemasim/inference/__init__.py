"""Calibration and inference: fitting hemasim to data (populations: hemasim.inference.population)."""

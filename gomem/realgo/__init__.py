"""Hold the model against the real Go runtime: probes, their recorded results, comparison."""

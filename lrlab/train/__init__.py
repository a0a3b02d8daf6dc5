"""Short training jobs with any lrlab schedule: data, models, the loop, jobs and the run store."""

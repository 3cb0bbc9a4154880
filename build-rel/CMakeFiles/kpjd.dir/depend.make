# Empty dependencies file for kpjd.
# This may be replaced when dependencies are built.

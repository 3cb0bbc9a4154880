# Empty compiler generated dependencies file for kpjdd.
# This may be replaced when dependencies are built.

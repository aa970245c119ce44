"""MongoDB backend: the ORM's Query compiled to MQL find filters and aggregation pipelines."""

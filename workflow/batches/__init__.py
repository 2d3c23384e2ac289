"""Batches: approved dossiers of one kind that a level sends up together to the next level of their route, with
its Tờ trình and list, the bundle of their papers, and the decisions taken on them there."""

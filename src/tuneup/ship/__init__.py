"""Ship: export (ONNX, TorchScript), compress-then-verify (int8, pruning), serve over REST, run in the browser.

    export = tuneup.export("digits-003", int8=True, prune=0.5, web=True)   # -> Export (the folder + the table)
    tuneup.serve("digits-003", port=8000)                                 # REST API + upload page

Heavy parts (ONNX Runtime, FastAPI) are imported inside the functions that need them.
"""

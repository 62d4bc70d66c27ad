// The try-it panel for image models: draw on a canvas or upload a picture, then see the prediction.

import type { ImagePreprocessing, PredictResponse } from '@modelgarden/sdk';
import { useMutation } from '@tanstack/react-query';
import { type ChangeEvent, useEffect, useRef, useState } from 'react';
import type { ApiError } from '../api/api-error';
import { api, type VersionSelector } from '../api/client';
import { Button } from './button';
import { DigitCanvas } from './digit-canvas';
import { ErrorAlert } from './error-alert';
import { PredictionResult } from './prediction-result';

type Source = { kind: 'canvas'; dataUrl: string } | { kind: 'file'; file: File };
type Mode = 'draw' | 'upload';

interface ImageTryItProps {
  model: string;
  preprocessing: ImagePreprocessing | null;
  selector: VersionSelector;
}

export function ImageTryIt({ model, preprocessing, selector }: ImageTryItProps) {
  const [mode, setMode] = useState<Mode>(preprocessing?.channels === 3 ? 'upload' : 'draw');
  const [drawn, setDrawn] = useState(false);
  const [file, setFile] = useState<File | null>(null);
  const [preview, setPreview] = useState<string | null>(null);
  const canvasRef = useRef<HTMLCanvasElement | null>(null);

  const predict = useMutation<PredictResponse, ApiError, Source>({
    mutationFn: (source) =>
      source.kind === 'canvas'
        ? api.predictImageDataUrl(model, source.dataUrl, selector)
        : api.predictImageFile(model, source.file, selector),
  });

  useEffect(() => {
    if (!file) return;
    const url = URL.createObjectURL(file);
    setPreview(url);
    return () => URL.revokeObjectURL(url);
  }, [file]);

  const switchMode = (next: Mode) => {
    setMode(next);
    predict.reset();
  };

  const onFile = (event: ChangeEvent<HTMLInputElement>) => {
    setFile(event.target.files?.[0] ?? null);
    predict.reset();
  };

  const onPredict = () => {
    if (mode === 'draw') {
      const canvas = canvasRef.current;
      if (canvas) predict.mutate({ kind: 'canvas', dataUrl: canvas.toDataURL('image/png') });
    } else if (file) {
      predict.mutate({ kind: 'file', file });
    }
  };

  const ready = mode === 'draw' ? drawn : file !== null;
  const tab = (value: Mode, label: string) => (
    <button
      type="button"
      role="tab"
      aria-selected={mode === value}
      onClick={() => switchMode(value)}
      className={`rounded-md px-3 py-1.5 text-sm font-medium ${
        mode === value ? 'bg-white text-slate-900 shadow-sm' : 'text-slate-600 hover:text-slate-900'
      }`}
    >
      {label}
    </button>
  );

  return (
    <div className="grid gap-6 lg:grid-cols-2">
      <div className="space-y-4">
        <div role="tablist" aria-label="Image source" className="inline-flex rounded-lg bg-slate-100 p-1">
          {tab('draw', 'Draw')}
          {tab('upload', 'Upload image')}
        </div>
        {mode === 'draw' ? (
          <DigitCanvas
            canvasRef={canvasRef}
            onDrawnChange={(value) => {
              setDrawn(value);
              predict.reset();
            }}
          />
        ) : (
          <div className="space-y-3">
            <label htmlFor="image-file" className="block text-sm font-medium text-slate-700">
              Image file (PNG, JPEG, WebP or GIF)
            </label>
            <input
              id="image-file"
              type="file"
              accept="image/png,image/jpeg,image/webp,image/gif"
              onChange={onFile}
              data-testid="image-file-input"
              className="block w-full text-sm text-slate-600 file:mr-3 file:rounded-lg file:border-0 file:bg-slate-100 file:px-3 file:py-2 file:text-sm file:font-medium file:text-slate-800 hover:file:bg-slate-200"
            />
            {preview && (
              <img
                src={preview}
                alt="The selected file"
                className="max-h-56 rounded-lg object-contain ring-1 ring-slate-200"
              />
            )}
          </div>
        )}
        <Button onClick={onPredict} data-testid="predict-button" disabled={!ready || predict.isPending}>
          {predict.isPending ? 'Predicting…' : 'Predict'}
        </Button>
      </div>
      <div aria-live="polite">
        {predict.isError && <ErrorAlert error={predict.error} title="Prediction failed" />}
        {predict.data && <PredictionResult result={predict.data} />}
        {predict.isIdle && (
          <p className="text-sm text-slate-500">
            {mode === 'draw'
              ? 'Draw a digit in the black square, then press Predict.'
              : 'Choose an image file, then press Predict.'}
          </p>
        )}
      </div>
    </div>
  );
}
